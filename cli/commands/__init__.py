"""One module per command group; each exposes click commands the app registers."""
