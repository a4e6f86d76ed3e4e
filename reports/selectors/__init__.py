"""Reads for reports. Each module takes records the caller fetched through clinic.access and issues a fixed
number of queries; reports.builders turn what they return into plain dataclasses for the templates."""
