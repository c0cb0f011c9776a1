{ systems = [ "x86_64-linux" ]; }
