"""APPSYNC_JS resolver code inside the emulator: rewrite, shim and QuickJS runtime."""
