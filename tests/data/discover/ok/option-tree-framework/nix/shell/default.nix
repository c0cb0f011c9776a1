pkgs: { packages = [ "ripgrep" ]; }
