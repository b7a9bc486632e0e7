"""SEROI+ steps 2 and 4: who is at the table, and the impact map with its indicators."""
