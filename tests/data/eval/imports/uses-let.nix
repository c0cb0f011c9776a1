let a = 20; b = a + 1; in { result = a * b; }
