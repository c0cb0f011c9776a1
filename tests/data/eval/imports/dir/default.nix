{ fromDir = "dir/default.nix"; }
