"""Server-rendered web pages for managers: sign-in, dashboard, person day,
reports, settings. Cookie sessions with CSRF tokens; assets served locally."""

from server.web.router import template_config, web_handlers

__all__ = ["template_config", "web_handlers"]
