{ inputs.nixpkgs.url = "x"; outputs = { nixpkgs, ... }: { nixosConfigurations."../escape" = nixpkgs.lib.nixosSystem { modules = [ ]; }; }; }
