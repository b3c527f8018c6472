"""The timer of the web pages and the command line."""
