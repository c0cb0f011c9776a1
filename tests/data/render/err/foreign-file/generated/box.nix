# my own hand-written module for box, not from atelier-gen
{ ... }: { }
