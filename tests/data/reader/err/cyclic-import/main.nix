{ a = (import ./b.nix).b; }.a
