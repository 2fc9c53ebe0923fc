"""Geography from the source coordinates: GeoJSON of the municipalities of a date."""
