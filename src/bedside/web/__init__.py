"""Server-rendered surfaces (Jinja2 + htmx): phone, kiosk and console."""
