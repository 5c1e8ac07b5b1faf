"""Marketing: traffic by source, ad campaigns and their daily spend."""
