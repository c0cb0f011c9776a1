{ z = (import ./mutual-a.nix).x + 10; }
