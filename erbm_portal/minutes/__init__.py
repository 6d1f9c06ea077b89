"""Minutes (relevés de décisions), decisions and follow-up actions of committee meetings."""
