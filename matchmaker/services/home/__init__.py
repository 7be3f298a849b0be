""" "Việc của tôi": what waits for each signed-in person, computed from the database for the home page."""
