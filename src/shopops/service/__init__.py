"""After-sales (售后): returns, exchanges and refunds; later tickets and reviews."""
