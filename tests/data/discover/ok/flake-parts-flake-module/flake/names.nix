{
  flake.hostNames = [ "alpha" "beta" ];
}
