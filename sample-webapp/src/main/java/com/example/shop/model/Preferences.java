package com.example.shop.model;

/** Display preferences, one mutable object per session (session attribute {@code prefs}). */
public final class Preferences {
    private Currency currency = Currency.EUR;
    private Theme theme = Theme.LIGHT;

    public synchronized Currency getCurrency() {
        return currency;
    }

    public synchronized void setCurrency(Currency currency) {
        this.currency = currency;
    }

    public synchronized Theme getTheme() {
        return theme;
    }

    public synchronized void setTheme(Theme theme) {
        this.theme = theme;
    }
}
