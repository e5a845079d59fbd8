"""One screen per area (see bbt_tui/areas.py), plus the login screen."""
