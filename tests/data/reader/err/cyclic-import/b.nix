{ b = import ./main.nix; }
