"""Moving money exactly once: the payment-provider port, the sandbox card network, leases and
refunds."""
