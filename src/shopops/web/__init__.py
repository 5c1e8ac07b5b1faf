"""Web: the FastAPI app factory, the JSON API mount and the console."""
