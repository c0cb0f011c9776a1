{ x = 1; y = (import ./mutual-b.nix).z; }
