{ lib, inputs, snowfall-inputs }:
{
  paths.stateOf = name: "/srv/${name}";
}
