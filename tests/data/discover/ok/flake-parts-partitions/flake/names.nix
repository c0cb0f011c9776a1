{
  _module.args.hostNames = [ "alpha" "beta" ];
}
