#!/usr/bin/env node
import '../dist/bin/podsgd.js';
