"""The `passerelle` command: one entry point over the build (graph/) and the server (server/)."""
