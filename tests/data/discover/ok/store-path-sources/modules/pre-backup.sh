#!/bin/sh
echo flushing
