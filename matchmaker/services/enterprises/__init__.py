"""Enterprises, their technology needs, and researchers' interest in those needs."""
