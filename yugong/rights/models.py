# Rights protection (12351 hotline): see issue 6.
