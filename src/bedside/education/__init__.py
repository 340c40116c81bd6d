"""Patient education: articles written in the console, pushed at each stage of a stay."""
