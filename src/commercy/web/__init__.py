"""The web app at /app/: server-rendered pages (Jinja2 and htmx) over the same services as the
API, for the people who work in Commercy all day."""
