package com.example.shop.web;

import com.example.shop.orders.OrderStatusHub;
import com.example.shop.orders.Orders;

/**
 * What the servlets share, created by {@link ShopLifecycle} and kept as a servlet-context attribute.
 *
 * @param node   name of the node serving this webapp (shown on every page)
 * @param orders order storage and queue
 * @param hub    waits for order status changes announced over Pub/Sub
 */
record Shop(String node, Orders orders, OrderStatusHub hub) {
    static final String ATTRIBUTE = Shop.class.getName();
}
