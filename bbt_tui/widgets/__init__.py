"""Reusable widgets: PagedTable (long lists), FormScreen (modal forms with per-field
messages), ConfirmScreen / MessageScreen, UnitPicker, Figure, NavBar, BBTFooter."""
