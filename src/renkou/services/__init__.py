"""Public services sized to the population served (公共服务资源配置): norms as dated data, the
facility inventory, demand, supply and gaps by area, and the allocation of new sites."""
