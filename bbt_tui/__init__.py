"""The Textual front end of BBT. It talks to the database only through domain/ functions,
run in worker threads, and never imports commands/ (a test enforces it)."""
