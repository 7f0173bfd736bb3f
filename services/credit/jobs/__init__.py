"""The sweep: the scheduled work no request does on its own."""
