"""Analytics: metric definitions (defined once), the cockpit, reference standards."""
