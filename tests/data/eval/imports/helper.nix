{ value = "from helper"; other = 2; }
