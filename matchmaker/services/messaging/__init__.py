"""Talking to people: in-app notifications, e-mail, and the absolute links they carry."""
