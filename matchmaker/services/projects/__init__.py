"""Research projects: the registry, projects from accepted orders, CSV imports of past projects."""
