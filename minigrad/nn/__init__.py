"""Neural-network building blocks (arrive with the nn issue)."""
