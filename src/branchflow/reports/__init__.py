"""Word documents HQ reads (rendered from templates/word/)."""
