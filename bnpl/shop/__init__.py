"""The demo merchant shop of the local stack: a basket, "Pay later", and the pages shoppers come
back to. Dev only: it signs as the sandbox merchant, whose keys only the local emulator knows."""
