"""Top-level field names per object kind, from xero_accounting.yaml 16.1.0 (for where/order checks)."""

FIELDS = {
    "Contacts": frozenset(
        """
        AccountNumber AccountsPayableTaxType AccountsReceivableTaxType Addresses Attachments Balances
        BankAccountDetails BatchPayments BrandingTheme CompanyNumber ContactGroups ContactID
        ContactNumber ContactPersons ContactStatus DefaultCurrency Discount EmailAddress FirstName
        HasAttachments HasValidationErrors IsCustomer IsSupplier LastName MergedToContactID Name
        PaymentTerms Phones PurchasesDefaultAccountCode PurchasesDefaultLineAmountType
        PurchasesTrackingCategories SalesDefaultAccountCode SalesDefaultLineAmountType
        SalesTrackingCategories StatusAttributeString TaxNumber TaxNumberType TrackingCategoryName
        TrackingCategoryOption UpdatedDateUTC ValidationErrors Website XeroNetworkKey
        """.split()
    ),
    "Invoices": frozenset(
        """
        AmountCredited AmountDue AmountPaid Attachments BrandingThemeID CISDeduction CISRate Contact
        CreditNotes CurrencyCode CurrencyRate Date DueDate ExpectedPaymentDate FullyPaidOnDate
        HasAttachments HasErrors InvoiceAddresses InvoiceID InvoiceNumber IsDiscounted LineAmountTypes
        LineItems Overpayments Payments PlannedPaymentDate Prepayments Reference RepeatingInvoiceID
        SentToContact Status StatusAttributeString SubTotal Total TotalDiscount TotalTax Type
        UpdatedDateUTC UpdatedDateUTCString Url ValidationErrors Warnings
        """.split()
    ),
    "Payments": frozenset(
        """
        Account Amount BankAccountNumber BankAmount BatchPayment BatchPaymentID Code CreditNote
        CreditNoteNumber CurrencyRate Date Details HasAccount HasValidationErrors Invoice InvoiceNumber
        IsReconciled Overpayment Particulars PaymentID PaymentType Prepayment Reference Status
        StatusAttributeString UpdatedDateUTC UpdatedDateUTCString ValidationErrors Warnings
        """.split()
    ),
    "CreditNotes": frozenset(
        """
        Allocations AppliedAmount BrandingThemeID CISDeduction CISRate Contact CreditNoteID
        CreditNoteNumber CurrencyCode CurrencyRate Date DueDate FullyPaidOnDate HasAttachments HasErrors
        InvoiceAddresses LineAmountTypes LineItems Payments Reference RemainingCredit SentToContact
        Status StatusAttributeString SubTotal Total TotalTax Type UpdatedDateUTC UpdatedDateUTCString
        ValidationErrors Warnings
        """.split()
    ),
    "Items": frozenset(
        """
        Code Description InventoryAssetAccountCode IsPurchased IsSold IsTrackedAsInventory ItemID Name
        PurchaseDescription PurchaseDetails QuantityOnHand SalesDetails StatusAttributeString
        TotalCostPool UpdatedDateUTC ValidationErrors
        """.split()
    ),
    "Accounts": frozenset(
        """
        AccountID AddToWatchlist BankAccountNumber BankAccountType Class Code CurrencyCode Description
        EnablePaymentsToAccount HasAttachments Name ReportingCode ReportingCodeName ShowInExpenseClaims
        Status SystemAccount TaxType Type UpdatedDateUTC ValidationErrors
        """.split()
    ),
    "TaxRates": frozenset(
        """
        CanApplyToAssets CanApplyToEquity CanApplyToExpenses CanApplyToLiabilities CanApplyToRevenue
        DisplayTaxRate EffectiveRate Name ReportTaxType Status TaxComponents TaxType
        """.split()
    ),
}
