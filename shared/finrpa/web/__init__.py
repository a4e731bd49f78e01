"""The review web app: ``create_app(settings)`` builds it; ``finrpa web`` serves it."""
