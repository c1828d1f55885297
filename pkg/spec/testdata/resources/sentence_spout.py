import storm
