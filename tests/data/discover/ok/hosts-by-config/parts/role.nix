{
  flake.nixosModules.base = { lib, ... }: {
    options.my.role = lib.mkOption { type = lib.types.str; };
  };
}
