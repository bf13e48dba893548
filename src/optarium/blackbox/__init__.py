"""Black-box optimization: spaces, persistent ask/tell studies, samplers, ``optimize``."""
