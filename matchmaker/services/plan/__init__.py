"""The action plan register of Resolution 57: tasks, their standing, updates and imports."""
