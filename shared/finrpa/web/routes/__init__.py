"""The app's routes, one module per area: auth, queue, items, api."""
