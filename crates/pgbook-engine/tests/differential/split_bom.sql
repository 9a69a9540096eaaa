select current_query() as after_bom;
