"""The web atlas: server-rendered pages with a JSON twin for each under /api/."""
